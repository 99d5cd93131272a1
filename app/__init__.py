"""Frontline employee insight platform."""
