"""Themes: insights grouped by meaning across Finnish and English, with readable labels."""
