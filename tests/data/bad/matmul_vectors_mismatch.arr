x = ones(3) @ ones(4)
