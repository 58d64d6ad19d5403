using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Warden.Server.Users;

namespace Warden.Server.Authentication.Login;

/// <summary>
/// A hash of a random password made with the configured hasher, so that a sign-in for an unknown identifier
/// costs exactly one verification, like a sign-in for a real account: the timing says nothing.
/// </summary>
public sealed class DummyPasswordHash(IServiceScopeFactory scopes)
{
    private readonly Lazy<string> _hash = new(() =>
    {
        using var scope = scopes.CreateScope();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        return hasher.HashPassword(new User(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    });

    public string Value => _hash.Value;
}
