"""Kept for an old migration only: the MDT review is its own app now (mdt/)."""
