a = ones(3)
b = a + zeros(4)
c = unknown_thing
d = sum(a, axis=5)
