x = rand((3, -1), seed=1)
