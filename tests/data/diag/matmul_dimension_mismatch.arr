a = ones((2, 3))
b = ones((4, 5))
c = a @ b
