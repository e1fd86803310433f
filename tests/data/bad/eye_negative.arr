x = eye(-3)
