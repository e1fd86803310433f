a = ones(3) + ones(4)
b = a * 2
c = b + 1
