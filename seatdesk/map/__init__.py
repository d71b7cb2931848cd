"""Embedded GIS map: folium page rendering (Qt-free) and the QWebEngine view/bridge."""
