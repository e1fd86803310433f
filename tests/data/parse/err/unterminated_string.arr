s = "abc
t = 1
u = "ends at the end of the file