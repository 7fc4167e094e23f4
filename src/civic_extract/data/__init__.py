"""Data files shipped with civic_extract (word lists, patterns, generated tables) and their build modules."""
