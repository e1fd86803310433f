x = load("load_script_as_npy.arr")
