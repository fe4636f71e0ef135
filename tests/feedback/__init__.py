"""Tests of the feedback module: ratings, reopening, the three rates."""
