"""Places requests come in from: QR suggestion boxes, reception days, managed estates."""
