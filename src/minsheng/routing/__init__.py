"""Routing: the category tree with its time limits, and the rules that send a request to a unit."""
