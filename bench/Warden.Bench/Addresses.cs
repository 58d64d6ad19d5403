namespace Warden.Bench;

/// <summary>
/// The seeded users' addresses and names. <c>bench</c> style is <c>{prefix}-{i:D7}@bench.test</c>, named
/// "Bench User i": what the sign-in figures address. <c>varied</c> style is a realistic spread for the admin search
/// (figure 6): a first and a last name from fixed lists, joined as people's addresses are
/// (<c>maria.garcia</c>, <c>maria_garcia1984</c>, <c>garcia.maria</c>, ...), at one of eight public mail providers
/// (gmail.com about a third of all) or one of 24 organisations' domains. With the bench style every address shares
/// the trigrams of <c>bench-</c> and <c>@bench.test</c>, so each trigram index scan reads a posting list a million
/// entries long (bench/RESULTS.md, "Admin search at a million users"); real addresses do not.
/// The mapping from the index to the address is pure arithmetic that <c>bench/wrk/scenario.lua</c> repeats
/// (<c>varied_user</c>) to search for a seeded user by address, name, prefix or domain: keep the two in step.
/// Every varied address is distinct: the index is split into (first name, last name, repeat), the repeat becomes
/// a suffix, and the joins cannot make two different splits equal (the two lists share no word).
/// </summary>
public static class Addresses
{
    public static readonly string[] FirstNames =
    [
        "maria", "james", "anna", "john", "sofia", "david", "laura", "michael", "elena", "robert",
        "julia", "daniel", "sarah", "thomas", "emma", "peter", "olivia", "paul", "chloe", "mark",
        "lucia", "andrew", "hannah", "kevin", "emily", "jose", "alice", "carlos", "nina", "luis",
        "grace", "ahmed", "fatima", "omar", "leila", "yuki", "hiroshi", "mei", "wei", "priya",
        "rahul", "anjali", "arjun", "ines", "pedro", "joao", "ana", "marco", "giulia", "luca",
        "chiara", "pierre", "camille", "louis", "claire", "hans", "greta", "lars", "ingrid", "sven",
        "olga", "ivan", "natasha", "dmitri", "katarzyna", "piotr", "jan", "eva", "tomas", "petra",
        "kofi", "amara", "chinedu", "zara", "noah", "liam", "mia", "ella", "jack", "ruby",
        "oscar", "isla", "leo", "freya", "adam", "nora", "samuel", "rosa", "victor", "irene",
        "diego", "valentina", "mateo", "camila", "hugo", "lea", "felix", "clara", "max", "lena",
        "sanjay", "deepa", "minh", "linh", "jae", "soo", "tariq", "yasmin", "ben", "kate",
        "george", "helen", "frank", "susan", "henry", "alba", "ruth", "simon", "tessa", "otto",
    ];

    public static readonly string[] LastNames =
    [
        "garcia", "smith", "mueller", "rossi", "martin", "kowalski", "nguyen", "kim", "patel", "silva",
        "johnson", "williams", "brown", "jones", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez",
        "gonzalez", "wilson", "anderson", "taylor", "moore", "jackson", "white", "harris", "clark", "lewis",
        "walker", "young", "allen", "wright", "scott", "green", "baker", "adams", "nelson", "hill",
        "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "hoffmann", "schulz", "koch",
        "bianchi", "romano", "colombo", "ricci", "marino", "greco", "bruno", "gallo", "conti", "esposito",
        "dubois", "durand", "lefebvre", "moreau", "laurent", "fontaine", "michel", "bernard", "petit", "roux",
        "nowak", "wojcik", "kaminski", "lewandowski", "zielinski", "novak", "svoboda", "dvorak", "horvat", "kovac",
        "tanaka", "suzuki", "takahashi", "watanabe", "yamamoto", "wang", "li", "zhang", "liu", "chen",
        "sharma", "singh", "kumar", "gupta", "reddy", "tran", "pham", "park", "lee", "choi",
        "okafor", "mensah", "diallo", "haddad", "khan", "ali", "hassan", "cohen", "levi", "friedman",
        "jansen", "devries", "bakker", "visser", "andersen", "nielsen", "hansen", "larsen", "berg", "lindqvist",
    ];

    // Weighted by percent: the public providers take about two thirds, as in a consumer-facing user base.
    public static readonly (string Domain, int Percent)[] PublicDomains =
    [
        ("gmail.com", 34), ("yahoo.com", 8), ("outlook.com", 7), ("hotmail.com", 6),
        ("icloud.com", 4), ("gmx.de", 2), ("proton.me", 2), ("web.de", 1),
    ];

    // The rest spread evenly over organisations' domains (Microsoft's fictitious companies): what a domain search is for.
    public static readonly string[] OrganisationDomains =
    [
        "contoso.com", "fabrikam.com", "northwindtraders.com", "adventure-works.com", "tailspintoys.com",
        "wideworldimporters.com", "litwareinc.com", "proseware.com", "fourthcoffee.com", "wingtiptoys.com",
        "lucernepublishing.com", "margiestravel.com", "blueyonderairlines.com", "alpineskihouse.com", "cpandl.com",
        "coho-winery.com", "treyresearch.net", "humongousinsurance.com", "woodgrovebank.com", "fineartschool.net",
        "consolidatedmessenger.com", "southridgevideo.com", "relecloud.com", "graphicdesigninstitute.com",
    ];

    public sealed record Person(string Local, string Domain, string FullName, string FirstName, string LastName)
    {
        public string Email => $"{Local}@{Domain}";
    }

    public static Person Bench(string prefix, long i) => new($"{prefix}-{i:D7}", "bench.test", $"Bench User {i}", "Bench", $"User{i}");

    public static Person Varied(long i)
    {
        var first = FirstNames[i % FirstNames.Length];
        var last = LastNames[i / FirstNames.Length % LastNames.Length];
        var repeat = i / (FirstNames.Length * LastNames.Length);
        // A multiplicative hash of the index (exact in Lua's doubles up to ~3 million users) picks join and domain.
        var hash = (i * 2654435761L + 12345L) % 4294967296L;
        var suffix = repeat == 0 ? "" : repeat < 70 ? (1950 + repeat).ToString() : "." + repeat;
        var local = (hash / 100 % 6) switch
        {
            0 or 1 => $"{first}.{last}{suffix}",
            2 => $"{first}_{last}{suffix}",
            3 => $"{first}{last}{suffix}",
            4 => $"{last}.{first}{suffix}",
            _ => $"{first}-{last}{suffix}",
        };
        return new Person(local, Domain(hash), $"{Capitalize(first)} {Capitalize(last)}", Capitalize(first), Capitalize(last));
    }

    private static string Domain(long hash)
    {
        var percent = hash % 100;
        foreach (var (domain, share) in PublicDomains)
        {
            if (percent < share)
            {
                return domain;
            }

            percent -= share;
        }

        return OrganisationDomains[hash / 600 % OrganisationDomains.Length];
    }

    private static string Capitalize(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}
