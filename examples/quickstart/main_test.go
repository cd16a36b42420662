package main

func Example() {
	main()
	// Output:
	// 203.0.113.9                        block 203.0.113.0/24
	// 203.0.113.7                        allow 203.0.113.7
	// 44D88612FEA8A8F36DE82E1278ABB02F   block 44d88612fea8a8f36de82e1278abb02f
	// 192.0.2.1                          none
	// block scanners medium
}
