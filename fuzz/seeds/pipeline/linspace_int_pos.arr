y = linspace(0, 10, 4, dtype=i64)
