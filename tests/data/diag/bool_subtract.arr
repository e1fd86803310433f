a = [true, false]
b = a - a
