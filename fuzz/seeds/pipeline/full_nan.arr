y = full(2, nan)
