# A file that starts with a comment.

   # An indented comment.
x = 1 # a comment after a statement
#no space after the hash

y = x   ## two hashes

# A comment on the last line, without a line end.