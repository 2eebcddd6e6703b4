// One run of the fault shape partition-peers-cut (shapes.ts) on a real namespace cluster; see serial-run.ts.
import { testShape } from "./serial-run.js";

testShape("partition-peers-cut", "10.89.0");
