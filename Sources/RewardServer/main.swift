print("reward-server")
