x = zeros("3")
