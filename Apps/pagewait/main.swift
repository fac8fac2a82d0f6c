print("pagewait")
