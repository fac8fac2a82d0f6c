// The `pagewait` executable: the commands live in PagewaitCommands
// (Apps/Commands), which the fuzz target over command lines runs in-process too.
import Foundation
import PagewaitCommands

@main
enum PagewaitMain {
    static func main() {
        exit(Pagewait.status(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}
