"""Staff accounts with roles in units, residents by phone and one-time code, sessions and tokens."""
