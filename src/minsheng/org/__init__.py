"""The organisation: the region tree (city → towns → communities) and the units that act."""
