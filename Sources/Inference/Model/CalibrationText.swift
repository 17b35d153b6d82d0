// The text an int8 engine is calibrated on at load: a few short (prompt, response) pairs of everyday
// English, good and bad answers mixed, the kind of input a reward model scores. Calibration only
// measures each product's largest input magnitude per channel (see `ByteCodedWeight`); these pairs
// are unrelated to the docstring pairs the accuracy check scores, and
// Scripts/int8_scheme_simulation.py calibrates its simulation on the same pairs.
public enum CalibrationText {
    public static let pairs: [(prompt: String, response: String)] = [
        ("How do I keep bread fresh for longer?",
         "Store it in a paper bag at room temperature and freeze what you will not eat within two days."),
        ("What causes the seasons on Earth?",
         "The tilt of the Earth's axis changes how directly sunlight strikes each hemisphere over the year."),
        ("Write a short thank-you note to a colleague.",
         "Thank you for staying late to help me finish the report; I could not have done it without you."),
        ("Is it safe to run a marathon without training?",
         "No. Untrained runners risk injury and exhaustion, so build up your distance over several months."),
        ("Summarise the plot of a detective story in two sentences.",
         "A retired inspector is asked to find a missing painting. She discovers that the owner hid it himself to claim the insurance."),
        ("Why is the sky blue?",
         "Air molecules scatter short blue wavelengths of sunlight more strongly than red ones, so blue light reaches us from every direction."),
        ("Give me three tips for a job interview.",
         "Research the company, prepare examples of your past work, and ask thoughtful questions at the end."),
        ("What is 17 times 23?",
         "17 times 23 is 391."),
        ("Translate 'good morning' into French.",
         "Bonjour."),
        ("Can you explain recursion to a child?",
         "Recursion is when a task is solved by doing a smaller copy of the same task until it becomes easy."),
        ("How should I store passwords in a database?",
         "Hash them with a slow, salted algorithm such as Argon2 or bcrypt, and never store the plain text."),
        ("Tell me a joke about cats.",
         "Why did the cat sit on the computer? To keep an eye on the mouse."),
        ("What year did the Second World War end?",
         "It ended in 1945, with Germany surrendering in May and Japan in September."),
        ("Describe the water cycle.",
         "Water evaporates, condenses into clouds, falls as rain or snow, and flows back to rivers and seas."),
        ("Recommend a book for learning statistics.",
         "I don't know, maybe just search online for something."),
        ("How do vaccines work?",
         "They train the immune system to recognise a pathogen by showing it a harmless part or copy of it, so it responds quickly to a real infection."),
    ]
}
