/// A register number (0..<TaskState.registerCount).
public typealias Register = UInt8

/// One instruction: the operation and the kernel function it belongs to,
/// for traces ("migrate_page_move_mapping: page_ref_freeze ...").
public struct Instruction: Hashable, Sendable {
    public var op: Op
    public var function: String

    public init(_ op: Op, in function: String) {
        self.op = op
        self.function = function
    }
}

/// A strategy's or actor's code: instructions with branches and loops.
public struct Program: Hashable, Sendable {
    public var name: String
    public var instructions: [Instruction]

    public init(name: String, instructions: [Instruction]) {
        self.name = name
        self.instructions = instructions
    }
}
