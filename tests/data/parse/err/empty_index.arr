y = x[]
z = 1
