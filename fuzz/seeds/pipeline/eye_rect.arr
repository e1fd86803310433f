y = eye(2, 4)
