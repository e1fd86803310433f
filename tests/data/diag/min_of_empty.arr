x = zeros(0)
m = max(x)
