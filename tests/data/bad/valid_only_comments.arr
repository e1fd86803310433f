# a comment

   # another, indented
#
