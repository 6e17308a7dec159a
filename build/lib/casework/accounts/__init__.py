"""Accounts: the second factor, step-up, and who may change whose powers.

mfa.py holds the second-factor rules (django-otp devices), middleware.py keeps a session that has
only passed the password to the second-factor pages, powers.py is the one place powers change.
"""
