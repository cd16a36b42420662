package main

func Example() {
	main()
	// Output:
	// block urlhaus
	// evil.example
	// http://phish.example/login/reset?u=1   block   phish.example/login/
	// www.good.evil.example                  allow   good.evil.example
	// 44D88612FEA8A8F36DE82E1278ABB02F       block   44d88612fea8a8f36de82e1278abb02f
	// 192.0.2.1                              none
	// monitor cidr
	// true 5
}
