"""Service guides and QR knowledge cards (办事指南 / 个体经营知晓卡)."""
