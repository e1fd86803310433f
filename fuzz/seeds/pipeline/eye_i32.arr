y = eye(3, dtype=i32)
