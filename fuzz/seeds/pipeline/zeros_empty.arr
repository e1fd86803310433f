y = zeros(0)
