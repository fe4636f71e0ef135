"""The resident's judgement of a closed request, reopening, and the three rates."""
