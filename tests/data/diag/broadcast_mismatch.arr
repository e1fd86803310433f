a = zeros(3)
b = ones((2, 4))
c = a + b
