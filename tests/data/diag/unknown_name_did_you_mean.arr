kernel = 1
print(kernal + 1)
