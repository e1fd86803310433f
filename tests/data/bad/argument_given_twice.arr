x = zeros(3, shape=4)
