y = linspace(-10, 0, 4, dtype=i64)
