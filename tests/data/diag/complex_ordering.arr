z = complex(1.0, 2.0)
b = z < 1
