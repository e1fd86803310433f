y = eye(3, 2)
