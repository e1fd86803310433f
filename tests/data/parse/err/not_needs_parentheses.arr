a = x == not y
b = x + not y
c = x == (not y)
