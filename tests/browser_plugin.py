"""Placeholder: the headless Chromium fixture is defined here."""
