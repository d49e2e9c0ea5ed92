namespace NasActors.Search;

/// <summary>An error the user caused (bad input, missing files): its message says what is wrong and how to fix it.</summary>
public class NasException(string message, Exception? inner = null) : Exception(message, inner);
