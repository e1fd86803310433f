y = bool(2)
