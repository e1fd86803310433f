y = eye(3)
