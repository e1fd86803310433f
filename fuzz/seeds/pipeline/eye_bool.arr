y = eye(2, dtype=bool)
