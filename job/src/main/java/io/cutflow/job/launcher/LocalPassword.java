package io.cutflow.job.launcher;

import org.postgresql.PGConnection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Base64;

/**
 * The generated password of the local runs' embedded PostgreSQL: a 0600 file beside its data folder
 * ({@code CUTFLOW_HOME/postgres.password}), which the launcher, its commands and the console read through
 * {@code cutflow.jdbc.password-file}; and the pg_hba.conf that asks every connection for it.
 */
public final class LocalPassword {

    private LocalPassword() {}

    /** The password file of the server whose data lives in dataDirectory. */
    public static Path fileFor(Path dataDirectory) {
        return dataDirectory.toAbsolutePath().resolveSibling(dataDirectory.getFileName() + ".password");
    }

    /** The password in file, generated (192 random bits) into a new 0600 file when there is none. */
    static String readOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Files.createDirectories(file.toAbsolutePath().getParent());
            try { // created with its mode: never readable by others, not even for an instant
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
            } catch (FileAlreadyExistsException e) {
                // another process made it first: use theirs
            }
        }
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
            throw new IOException("the database password file " + file + " is empty (delete it: a new one is made)");
        }
        return password;
    }

    /** pg_hba.conf: local socket and loopback only, each with the given method (scram-sha-256; trust to migrate). */
    static void writeHba(Path dataDirectory, String method) {
        try {
            Files.writeString(dataDirectory.resolve("pg_hba.conf"), String.join("\n",
                    "# written by cutflow at every start: no other host, every connection with the password",
                    "local all all " + method,
                    "host all all 127.0.0.1/32 " + method,
                    "host all all ::1/128 " + method,
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets user postgres's password (the SCRAM verifier is computed here: the password never travels). */
    static void setPassword(String jdbcUrl, String password) throws IOException {
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            c.unwrap(PGConnection.class).alterUserPassword("postgres", password.toCharArray(), "scram-sha-256");
        } catch (SQLException e) {
            throw new IOException("cannot set the embedded database's password: " + e.getMessage(), e);
        }
    }
}
