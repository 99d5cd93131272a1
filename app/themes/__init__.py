"""Themes: insights grouped by what they say, across units and languages."""
